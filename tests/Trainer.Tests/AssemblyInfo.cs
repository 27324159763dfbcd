// libtorch's default random generator is process-wide: tests that seed it (torch.manual_seed) and build
// models or draw from it must not interleave with each other, or "same seed, same weights" fails at random.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
