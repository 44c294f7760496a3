"""Sub-commands of ``nozei``; each module registers its parsers and handlers."""
