"""The command tree (Typer). The only package that parses arguments and maps
errors to exit codes; command modules import the core lazily, inside the
command functions, so that `aigc --help` stays fast."""
