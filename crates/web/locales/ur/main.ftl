# اردو (Urdu, right to left). DRAFT: this translation needs review by a native speaker before live use.
# Drafted from the English by the developers. Only the page frame patients see on their own pages (the
# pages reached from links in their messages); staff pages stay in English.

service-name = Carefront
skip-link = مرکزی مواد پر جائیں
error-summary-title = ایک مسئلہ ہے
