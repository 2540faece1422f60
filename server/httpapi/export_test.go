package httpapi

import "sort"

// QueryParamsOf returns the sorted query parameters of "METHOD pattern",
// for the tests that compare them with the OpenAPI document.
func QueryParamsOf(route string) []string {
	out := append([]string(nil), queryParams[route]...)
	sort.Strings(out)
	return out
}
