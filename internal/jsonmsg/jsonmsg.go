// Package jsonmsg words encoding/json's decoding errors for users: JSON's
// terms (an object, a string), never Go's type names.
package jsonmsg

import (
	"encoding/json"
	"reflect"
)

// Want is what a value of Go type t is in JSON: "an object", "an array",
// "a string", "a boolean", "a number".
func Want(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	switch k := t.Kind(); k {
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 && k == reflect.Slice {
			return "a base64 string"
		}
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Pointer:
		return Want(t.Elem())
	case reflect.Bool:
		return "a boolean"
	case reflect.String:
		return "a string"
	case reflect.Interface:
		return "a value"
	}
	return "a number"
}

// Found is the JSON value an UnmarshalTypeError found, with its article:
// "an array", "a number", "a string".
func Found(te *json.UnmarshalTypeError) string {
	v := te.Value
	if len(v) > 6 && v[:6] == "number" { // "number 1.5"
		v = "number"
	}
	switch v {
	case "array", "object":
		return "an " + v
	case "bool":
		return "a boolean"
	case "":
		return "a value"
	}
	return "a " + v
}
