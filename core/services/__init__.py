"""Use-case services: plain values in, permission checked, audited, plain data out."""
