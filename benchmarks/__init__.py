"""Benchmarks: hubflow vs the official ``huggingface_hub`` client against the same local Hub.

Run ``python -m benchmarks.run --size smoke`` (seconds) or ``--size full --runs 3`` (the issue #5
sizes); see ``docs/benchmarks.md``.

```python
from benchmarks.run import main
main(["--size", "smoke", "--runs", "1"])
```
"""
