# Cymraeg (Welsh). DRAFT: this translation needs review by a native speaker before live use.
# Drafted from the English by the developers. Only the page frame patients see on their own pages (the
# pages reached from links in their messages); staff pages stay in English.

service-name = Carefront
skip-link = Neidio i'r prif gynnwys
error-summary-title = Mae problem wedi codi
