"""Web views, one module per journey. Each view parses with a form, fetches through a
permission-checked selector, calls one service, and renders or redirects."""
