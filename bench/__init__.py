"""hookline's benchmark suite: every scenario runs hookline and a same-run baseline on
loopback and reports their ratio. Run ``python -m bench [--quick]``; see bench/README.md."""
