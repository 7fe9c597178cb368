"""The README's permission matrix is the code's."""

from pathlib import Path

from planning.permissions import matrix_rows

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_permission_matrix_matches_the_code() -> None:
    text = README.read_text(encoding="utf-8")
    block = text.split("<!-- permission-matrix:start -->")[1].split(
        "<!-- permission-matrix:end -->"
    )[0]
    rows = [line.strip("| ").split(" | ") for line in block.strip().splitlines()[2:]]
    expected = [list(row) for row in matrix_rows()]
    assert rows == expected
