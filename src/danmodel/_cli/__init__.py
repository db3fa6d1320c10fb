"""The ``danmodel`` subcommands, one module each.

Every public module in this package is a subcommand named after the module.
It defines ``register(commands)``, which adds its parser to the ``argparse``
subparsers and sets ``run`` as the parser's default: a function taking the
parsed arguments and returning the exit status. :mod:`danmodel.cli` finds the
modules, so adding a command touches no other file. Shared helpers live in
:mod:`danmodel._cli._shared`.
"""
