# Shortcuts for the two README commands.
.PHONY: lab test bench
lab:
	bash scripts/lab.sh
test:
	bash scripts/test.sh
bench:
	.venv/bin/python benchmarks/bench_training.py
