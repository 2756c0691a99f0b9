# The two commands a new user needs. Everything else is set up by scripts/dev.sh.
.PHONY: run test lint lock

run:
	@bash scripts/dev.sh run

test:
	@bash scripts/dev.sh test

lint:
	@bash scripts/dev.sh lint

# After changing a dependency in pyproject.toml: rewrite requirements/*.lock.
lock:
	@bash scripts/dev.sh lock
