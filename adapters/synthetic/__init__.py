"""The example municipality (Exempelby): realistic feeds of placements, investigations
and households for the demo and the benchmarks. Generated, never real people."""
