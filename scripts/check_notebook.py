"""Checks a notebook written by `coopsim report --format ipynb`:
validates it against the nbformat 4 schema (nbformat.validate), checks that
its bytes are what nbformat itself writes (so saving it in Jupyter leaves no
diff) and that it was saved with outputs, then executes a copy with nbconvert's
ExecutePreprocessor in the notebook's own folder (as Jupyter does), so its
relative path to the run folder is exercised, and checks that the target table
the executed Python draws (pandas) holds the same cells as the one saved from
coopsim (titles, labels, probabilities with their intervals, sources). The
notebook itself is not modified. Exit status 0 when valid, every cell runs and
the tables agree; 1 otherwise.

Usage: python3 scripts/check_notebook.py NOTEBOOK.ipynb
"""
import copy
import html.parser
import pathlib
import sys

import nbformat
from nbconvert.preprocessors import ExecutePreprocessor


class _Cells(html.parser.HTMLParser):
    """The text of each cell of the first HTML table, row by row (entities decoded, whitespace trimmed)."""

    def __init__(self):
        super().__init__()
        self.rows, self.cell = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self.cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(" ".join(self.cell.split()))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def table_cells(cell):
    """Rows of the table in a code cell's text/html output (None when it shows no table)."""
    for o in cell.outputs:
        text = o.get("data", {}).get("text/html")
        if text and "<table" in text:
            p = _Cells()
            p.feed(text if isinstance(text, str) else "".join(text))
            return p.rows
    return None


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    path = pathlib.Path(argv[1]).resolve()
    nb = nbformat.read(str(path), as_version=4)
    nbformat.validate(nb)
    if nb.nbformat != 4 or nb.nbformat_minor < 5:
        print(f"{path}: expected nbformat 4.5 or later, got {nb.nbformat}.{nb.nbformat_minor}", file=sys.stderr)
        return 1
    if nbformat.writes(nb) + "\n" != path.read_text(encoding="utf-8"):
        print(f"{path}: not byte-identical to nbformat's own serialisation (sorted keys, indent 1)", file=sys.stderr)
        return 1
    code = [c for c in nb.cells if c.cell_type == "code"]
    if not any(c.outputs for c in code):
        print(f"{path}: no code cell was saved with outputs", file=sys.stderr)
        return 1
    svg = sum(1 for c in code for o in c.outputs if "image/svg+xml" in o.get("data", {}))
    run = copy.deepcopy(nb)
    ExecutePreprocessor(timeout=300, kernel_name="python3").preprocess(run, {"metadata": {"path": str(path.parent)}})
    png = sum(1 for c in run.cells if c.cell_type == "code" for o in c.outputs if "image/png" in o.get("data", {}))
    errors = [o for c in run.cells if c.cell_type == "code" for o in c.outputs if o.get("output_type") == "error"]
    if errors:
        print(f"{path}: a cell raised {errors[0].get('ename')}: {errors[0].get('evalue')}", file=sys.stderr)
        return 1
    for saved, ran in zip(nb.cells, run.cells):
        if saved.cell_type != "code" or "def target_table" not in saved.source:
            continue
        a, b = table_cells(saved), table_cells(ran)
        if a != b:
            first = next((f"row {i}: saved {x} / executed {y}" for i, (x, y) in enumerate(zip(a or [], b or [])) if x != y),
                         f"saved {len(a or [])} rows, executed {len(b or [])}")
            print(f"{path}: the target table drawn by the notebook's Python differs from the saved one ({first})", file=sys.stderr)
            return 1
    if png != svg:
        print(f"{path}: saved with {svg} SVG charts but running it drew {png} matplotlib figures", file=sys.stderr)
        return 1
    print(f"{path}: valid nbformat {nb.nbformat}.{nb.nbformat_minor}; {len(nb.cells)} cells; "
          f"{svg} saved SVG charts; executed, {png} matplotlib figures")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
