// Package htmltest holds the small helpers over golang.org/x/net/html that
// the page tests of components and server share: parse, find elements, read
// attributes and text.
package htmltest

import (
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// Parse parses an HTML document, failing the test on error.
func Parse(t testing.TB, body string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// FindAll returns the elements under n (n included) that keep accepts, in
// document order.
func FindAll(n *html.Node, keep func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && keep(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

// Attr returns an attribute's value and whether it is present.
func Attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// HasClass reports whether the element's class list holds class.
func HasClass(n *html.Node, class string) bool {
	v, _ := Attr(n, "class")
	return slices.Contains(strings.Fields(v), class)
}

// ByTag matches elements by tag name.
func ByTag(tag string) func(*html.Node) bool {
	return func(n *html.Node) bool { return n.Data == tag }
}

// ByAttr matches elements whose attribute key equals val.
func ByAttr(key, val string) func(*html.Node) bool {
	return func(n *html.Node) bool { v, ok := Attr(n, key); return ok && v == val }
}

// One returns the single element matching keep, failing the test when there
// is not exactly one; what names it in the message.
func One(t testing.TB, doc *html.Node, keep func(*html.Node) bool, what string) *html.Node {
	t.Helper()
	found := FindAll(doc, keep)
	if len(found) != 1 {
		t.Fatalf("want one %s, found %d", what, len(found))
	}
	return found[0]
}

// Text is the text under n with runs of white space collapsed to one space.
func Text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}
