"""The plumbing every use case stands on: what a use case can refuse (errors), the time
(clock), the one commit (transaction), the row lock (locking), who may see and do what
(policy, roles), the job queue the workers run (jobs, which learns its handlers by
registration), telling people (notify), and reading uploads and writing workbooks (uploads,
exports, document_format). It may import: nothing."""
