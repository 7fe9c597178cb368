"""The review pages, one module per sub-domain: the plan grid, finance, the registers, the
submissions. Thin: fetch-and-authorize, parse the input with a form, call one service, render."""
