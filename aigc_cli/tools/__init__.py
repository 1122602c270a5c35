"""Tools the model can call: the contract, built-ins, policy and registry (issue #21)."""
