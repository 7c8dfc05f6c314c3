"""Security corpus: hostile formulas, data, arguments and command lines, each run in a subprocess with a time
and a memory limit (see README.md in this folder)."""
