"""Structural checks on the HTML the product serves."""

from html.parser import HTMLParser

# Containers whose end tag HTML never leaves out: a stray or missing one moves
# everything after it out of its column, row or card.
CONTAINERS = frozenset(
    {
        "div",
        "section",
        "main",
        "nav",
        "header",
        "footer",
        "article",
        "aside",
        "form",
        "table",
        "ul",
        "ol",
    }
)


class _Nesting(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.open = []
        self.problems = []

    def handle_starttag(self, tag, attrs):
        if tag in CONTAINERS:
            self.open.append((tag, self.getpos()[0]))

    def handle_endtag(self, tag):
        if tag not in CONTAINERS:
            return
        line = self.getpos()[0]
        if not self.open:
            self.problems.append(f"line {line}: </{tag}> closes nothing")
        elif self.open[-1][0] != tag:
            opened, at = self.open[-1]
            self.problems.append(f"line {line}: </{tag}> closes <{opened}> opened on line {at}")
        else:
            self.open.pop()


def nesting_problems(html):
    """Where the containers of `html` do not nest: [] for a well-formed page."""
    parser = _Nesting()
    parser.feed(html)
    parser.close()
    return parser.problems + [f"line {at}: <{tag}> never closed" for tag, at in parser.open]
