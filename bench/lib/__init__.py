"""What several benches share: the delivery bench's SEV1, sink, floors and muster run, the
subprocesses they start, the intake bench's parts (also the storm bench's), the report lines."""
