"""The forms the office sends upward: the LKjIP measurement, the Renja evaluation."""
