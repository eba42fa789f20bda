"""The ways in: the HTTP service, the web page and the `framing` command line."""
