from __future__ import annotations

from hookline.cli import main

main()
