"""Checks a notebook written by `coopsim report --format ipynb`:
validates it against the nbformat 4 schema (nbformat.validate), checks that
its bytes are what nbformat itself writes (so saving it in Jupyter leaves no
diff) and that it was saved with outputs, then executes a copy with nbconvert's
ExecutePreprocessor in the notebook's own folder (as Jupyter does), so its
relative path to the run folder is exercised. The notebook itself is not
modified. Exit status 0 when valid and every cell runs; 1 otherwise.

Usage: python3 scripts/check_notebook.py NOTEBOOK.ipynb
"""
import copy
import pathlib
import sys

import nbformat
from nbconvert.preprocessors import ExecutePreprocessor


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
    if png != svg:
        print(f"{path}: saved with {svg} SVG charts but running it drew {png} matplotlib figures", file=sys.stderr)
        return 1
    print(f"{path}: valid nbformat {nb.nbformat}.{nb.nbformat_minor}; {len(nb.cells)} cells; "
          f"{svg} saved SVG charts; executed, {png} matplotlib figures")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
