"""`make stress`: concurrent writers against `lms-sandbox serve`, then every acknowledged write checked."""
