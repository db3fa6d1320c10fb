// Command regexp_check compiles JSON Schema patterns with Go's regexp (RE2 syntax, what
// Go JSON Schema validators use) and matches them against strings, as "pattern" does:
// an unanchored search. Standard library only; run by tests/test_schema_engines.py.
//
// Input on stdin:  {"patterns": ["^a$", ...], "strings": ["a", ...]}
// Output on stdout: {"errors": ["" or the compile error, ...],
//
//	"matches": [[true, false, ...] per pattern, one per string]}
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
)

type request struct {
	Patterns []string `json:"patterns"`
	Strings  []string `json:"strings"`
}

type response struct {
	Errors  []string `json:"errors"`
	Matches [][]bool `json:"matches"`
}

func main() {
	var in request
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fmt.Fprintln(os.Stderr, "regexp_check: reading the request:", err)
		os.Exit(2)
	}
	out := response{Errors: make([]string, len(in.Patterns)), Matches: make([][]bool, len(in.Patterns))}
	for i, pattern := range in.Patterns {
		compiled, err := regexp.Compile(pattern)
		out.Matches[i] = make([]bool, 0, len(in.Strings))
		if err != nil {
			out.Errors[i] = err.Error()
			continue
		}
		for _, text := range in.Strings {
			out.Matches[i] = append(out.Matches[i], compiled.MatchString(text))
		}
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, "regexp_check: writing the response:", err)
		os.Exit(2)
	}
}
