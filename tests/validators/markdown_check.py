"""Usage: markdown_check.py REPORT.md [CELL_TEXT...]

Renders an envparity markdown report with markdown-it-py (CommonMark + GFM tables, raw
HTML allowed, as on GitHub before its sanitizer) and checks that every table row has the
header's cells, that each CELL_TEXT is found whole inside one cell (a pipe or newline
that escaped badly would split it), and that no value turned into markup. Prints the counts. Exit 3:
markdown-it-py missing."""
import sys
from html.parser import HTMLParser

try:
    from markdown_it import MarkdownIt
except ImportError as e:
    print(e, file=sys.stderr)
    sys.exit(3)

text = open(sys.argv[1], encoding="utf-8").read()
html = MarkdownIt("commonmark").enable("table").render(text)


class Tables(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables = []  # list of rows: cell counts
        self.tags = set()
        self.row = None
        self.cells = []
        self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.row = 0
        elif tag in ("td", "th") and self.row is not None:
            self.row += 1
            self.cell = []
        elif tag == "br" and self.cell is not None:
            self.cell.append("\n")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.cells.append("".join(self.cell))
            self.cell = None
        if tag == "tr" and self.tables:
            self.tables[-1].append(self.row)
            self.row = None


p = Tables()
p.feed(html)
problems = []
rows = 0
for i, t in enumerate(p.tables):
    rows += len(t) - 1
    if len(set(t)) != 1:
        problems.append(f"table {i}: rows with different cell counts {t}")
for want in sys.argv[2:]:
    if not any(want in c for c in p.cells):
        problems.append(f"no cell holds {want!r}")
for tag in ("script", "b"):
    if tag in p.tags:
        problems.append(f"a value became a <{tag}> element")
print(f"tables={len(p.tables)} rows={rows} details={'details' in p.tags}")
for x in problems:
    print("problem:", x)
sys.exit(1 if problems else 0)
