/* One line per suite of test/unit; each is defined in test_NAME.c. */
SUITE(hyperbolic)
SUITE(point_text)
SUITE(tensor)
SUITE(plot)
SUITE(hungarian)
SUITE(packing)
SUITE(hbox)
SUITE(hball_text)
