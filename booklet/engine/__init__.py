"""HTML and CSS → laid-out WeasyPrint documents and their PDF; the one place that touches WeasyPrint's internals."""
