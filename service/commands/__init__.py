"""One module per `framing` subcommand."""
