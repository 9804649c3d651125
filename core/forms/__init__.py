"""The forms an office sends upward (Permendagri 86/2017), built from a round's report lines."""
