"""Demo data from the seeds (../shared/seeds): five real CLS, fictitious people.

Loaded by `python -m services.registry load-demo` (make run) in the order below:
each part may use what the previous ones created. Every loader is idempotent.
Demo accounts exist only here, never in a deployment that does not load the demo.
"""

from services.registry.demo import contracts, directory, plan

LOADERS = (directory.load, contracts.load, plan.load)
