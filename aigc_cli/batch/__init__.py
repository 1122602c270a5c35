"""`aigc batch`: one recipe over many inputs, resumable and cost-capped (issue #23).

job.py (the spec, checks and estimate), inputs.py (what the items are),
run.py (plan, then execute), live.py and gate.py (in-process concurrency with
an adaptive limit), remote.py (the provider's Batch API), outputs.py (atomic
files and the JSONL). The store's tables are store/batch.py.
"""
