"""Apps that exist for the test suite only: the test settings (``ouvert.settings_test``) install
every package found here, so a new one needs no edit outside itself; production settings know
none of them."""
