"""The ``danmodel`` subcommands, one module each.

:data:`danmodel.cli.COMMANDS` names each command's module; only the module of
the command that runs is imported. A command module defines
``register(parser)``, which adds its options to its ``argparse`` parser and
sets ``run`` as the parser's default: a function taking the parsed arguments
and returning the exit status. Commands that read files report through
:mod:`danmodel._cli._report` (text, JSON and GitHub reporters); the
``--runtime`` option is in :mod:`danmodel._cli._runtime_option`, other shared
helpers in :mod:`danmodel._cli._shared`.
"""
