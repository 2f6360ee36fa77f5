package h1wire

import "bytes"

// SplitField splits "Name: value" with a token name and a value free of
// control characters (other than tab), trimming the value's blanks.
func SplitField(l []byte) (name, value []byte, ok bool) {
	i := bytes.IndexByte(l, ':')
	if i <= 0 {
		return nil, nil, false
	}
	name = l[:i]
	for _, b := range name {
		if !IsTokenByte(b) {
			return nil, nil, false
		}
	}
	value = bytes.Trim(l[i+1:], " \t")
	for _, b := range value {
		if (b < ' ' && b != '\t') || b == 0x7f {
			return nil, nil, false
		}
	}
	return name, value, true
}

// IsTokenByte: the bytes of an HTTP token (RFC 9110 section 5.6.2).
func IsTokenByte(b byte) bool {
	switch {
	case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9':
		return true
	}
	switch b {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
		return true
	}
	return false
}
