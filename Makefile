.PHONY: run test lint

# The README's two commands, plus lint; scripts/setup.sh does the work.
run:
	bash scripts/setup.sh run

test:
	bash scripts/setup.sh test

lint:
	bash scripts/setup.sh lint
