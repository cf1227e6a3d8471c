"""Per-debtor dunning cases: state, rules, durable timers and the Faust case agent."""
