package ui

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// ErrEndOfInput is returned by a prompt when its input ends before an
// answer was given.
var ErrEndOfInput = errors.New("end of input while asking")

// Option is one choice of a multiple-choice prompt.
type Option struct {
	Value string // what is returned
	Label string // optional text shown after the value
}

// Prompter asks questions line by line on the streams' input and writes
// them to stderr. It never touches the terminal before a question is asked:
// no probes, no raw mode, so answers may also come from a pipe or a screen
// reader.
type Prompter struct {
	in  *bufio.Reader
	out io.Writer
}

// Prompter returns the prompter of these streams (one buffered reader per
// stream, so successive questions share what was read ahead).
func (s *IOStreams) Prompter() *Prompter {
	if s.prompter == nil {
		s.prompter = &Prompter{in: bufio.NewReader(s.In), out: s.ErrOut}
	}
	return s.prompter
}

// readLine reads one answer, stopping on ctx.
func (p *Prompter) readLine(ctx context.Context) (string, error) {
	type result struct {
		line string
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		line, err := p.in.ReadString('\n')
		ch <- result{line, err}
	}()
	select {
	case <-ctx.Done():
		fmt.Fprintln(p.out)
		return "", ctx.Err()
	case r := <-ch:
		if r.err != nil && (r.line == "" || !errors.Is(r.err, io.EOF)) {
			if errors.Is(r.err, io.EOF) {
				return "", ErrEndOfInput
			}
			return "", r.err
		}
		return strings.TrimRight(r.line, "\r\n"), nil
	}
}

// Input asks for one line of text (the placeholder is only shown as an
// example). validate, when set, is asked until it accepts.
func (p *Prompter) Input(ctx context.Context, title, description, placeholder string, validate func(string) error) (string, error) {
	for {
		fmt.Fprintf(p.out, "%s\n", title)
		if description != "" {
			fmt.Fprintf(p.out, "  %s\n", description)
		}
		if placeholder != "" {
			fmt.Fprintf(p.out, "  e.g. %s\n", placeholder)
		}
		fmt.Fprint(p.out, "> ")
		line, err := p.readLine(ctx)
		if err != nil {
			return "", err
		}
		line = strings.TrimSpace(line)
		if validate != nil {
			if err := validate(line); err != nil {
				fmt.Fprintf(p.out, "  %v\n", err)
				continue
			}
		}
		return line, nil
	}
}

// MultiSelect asks for several of options. Each answer line is one or more
// numbers or option values, comma- or space-separated (toggling those
// options: "card.created" or "*" typed whole chooses it, as --events takes
// it), any other text a filter (listing the options that contain it), or
// 0 / an empty line to finish.
func (p *Prompter) MultiSelect(ctx context.Context, title, description string, options []Option, validate func([]string) error) ([]string, error) {
	chosen := make([]bool, len(options))
	show := func(filter string) {
		n := 0
		for i, o := range options {
			if filter != "" && !strings.Contains(strings.ToLower(o.Value+" "+o.Label), strings.ToLower(filter)) {
				continue
			}
			mark := " "
			if chosen[i] {
				mark = "x"
			}
			if o.Label != "" {
				fmt.Fprintf(p.out, "  %3d. [%s] %s  %s\n", i+1, mark, o.Value, o.Label)
			} else {
				fmt.Fprintf(p.out, "  %3d. [%s] %s\n", i+1, mark, o.Value)
			}
			n++
		}
		if n == 0 {
			fmt.Fprintf(p.out, "  nothing matches %q\n", filter)
		}
	}
	fmt.Fprintf(p.out, "%s\n", title)
	if description != "" {
		fmt.Fprintf(p.out, "  %s\n", description)
	}
	show("")
	for {
		fmt.Fprintf(p.out, "Numbers or names toggle a choice, other text filters, 0 or an empty line finishes (1-%d)> ", len(options))
		line, err := p.readLine(ctx)
		if err != nil {
			return nil, err
		}
		line = strings.TrimSpace(line)
		if line == "" || line == "0" {
			var out []string
			for i, c := range chosen {
				if c {
					out = append(out, options[i].Value)
				}
			}
			if validate != nil {
				if err := validate(out); err != nil {
					fmt.Fprintf(p.out, "  %v\n", err)
					continue
				}
			}
			return out, nil
		}
		fields := strings.FieldsFunc(line, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
		// Each field a number or an option's value typed whole: the
		// options to toggle. Anything else makes the line a filter.
		picks := make([]int, 0, len(fields))
		for _, f := range fields {
			n, err := strconv.Atoi(f)
			if err != nil {
				n = slices.IndexFunc(options, func(o Option) bool { return o.Value == f }) + 1
			}
			if n < 1 || n > len(options) {
				picks = nil
				break
			}
			picks = append(picks, n)
		}
		if len(picks) == 0 {
			show(line)
			continue
		}
		for _, n := range picks {
			chosen[n-1] = !chosen[n-1]
			state := "selected"
			if !chosen[n-1] {
				state = "unselected"
			}
			fmt.Fprintf(p.out, "  %s %s\n", state, options[n-1].Value)
		}
	}
}

// Confirm asks a yes/no question; the default is no.
func (p *Prompter) Confirm(ctx context.Context, title string) (bool, error) {
	for {
		fmt.Fprintf(p.out, "%s [y/N] ", title)
		line, err := p.readLine(ctx)
		if err != nil {
			return false, err
		}
		switch strings.ToLower(strings.TrimSpace(line)) {
		case "y", "yes":
			return true, nil
		case "", "n", "no":
			return false, nil
		}
		fmt.Fprintln(p.out, "  answer y or n")
	}
}
