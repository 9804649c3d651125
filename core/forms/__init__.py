"""The forms the office sends upward: the Renja evaluation "E.81" (Permendagri 86/2017, from a round's report
lines) and the LKjIP measurement (PermenPAN-RB 53/2014, from a year's data)."""
