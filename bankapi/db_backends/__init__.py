"""Database backends: the engines DATABASES names, each a thin layer over a third-party one."""
