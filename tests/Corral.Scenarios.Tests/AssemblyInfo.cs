// The scenarios measure escalation at timeouts and run process trees of a thousand; on a two-core
// machine they run one at a time so that one scenario's load cannot skew another's timing.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
