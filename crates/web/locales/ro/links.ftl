# Română (Romanian). DRAFT: this translation needs review by a native speaker before live use.
# Drafted from the English by the developers. Polite "dvs." form, as in the messages; dates and places
# follow a label ("Când", "Unde") so they need no declension. Letters use comma-below ș and ț.

## Pages patients reach from the links in their messages (confirm, cancel, answer an offer).

link-when = Când
link-where = Unde
link-what = Programare
link-place-phone = Vă sunăm noi
link-place-video = Consultație video
link-place-home = La dvs. acasă
link-reply-by = Răspundeți până la

link-confirm-title = Spuneți-ne că veniți
link-confirm-lead = Vă rugăm să verificați detaliile de mai jos.
link-confirm-button = Da, vin
link-confirm-cannot-come = Nu puteți veni?
link-confirm-cancel-link = Anulați programarea
link-confirmed-title = Vă mulțumim
link-confirmed-lead = Ne-ați spus că veniți. Vă așteptăm.

link-cancel-title = Anulați programarea?
link-cancel-lead = Anulați doar dacă nu puteți veni. Așa, altcineva poate primi această oră.
link-cancel-button = Da, anulați programarea mea
link-cancel-keep = Dacă vreți să păstrați programarea, nu trebuie să faceți nimic.
link-cancel-too-late-title = Este prea târziu pentru a anula online
link-cancel-too-late-phone = Vă rugăm să ne sunați la { $phone } ca să ne spuneți că nu puteți veni.
link-cancel-too-late = Vă rugăm să ne sunați ca să ne spuneți că nu puteți veni.

link-cancelled-title = Programarea dvs. este anulată
link-cancelled-lead = Vă trimitem un mesaj că programarea este anulată.
link-moved-title = Această programare are o oră nouă
link-moved-lead = Programarea dvs. s-a mutat. Vă rugăm să folosiți linkurile din cel mai nou mesaj de la noi.
link-expired-title = Acest link nu mai este valabil
link-expired-lead = Programarea a început sau s-a terminat, așa că acest link nu mai funcționează.

link-offer-title = Vreți această programare mai devreme?
link-offer-lead = Este liberă o programare mai devreme decât cea pe care o așteptați.
link-offer-accept = Da, vreau această programare
link-offer-decline = Nu, mulțumesc
link-offer-stay = Dacă spuneți nu, rămâneți pe lista de așteptare.
link-offer-accepted-title = Programarea dvs. este făcută
link-offer-accepted-lead = Vă trimitem un mesaj cu detaliile.
link-offer-declined-title = Vă mulțumim că ne-ați spus
link-offer-declined-lead = Sunteți în continuare pe lista de așteptare. Vă anunțăm când este liberă altă oră.
link-offer-closed-title = Această ofertă s-a încheiat
link-offer-closed-lead = Timpul pentru răspuns a trecut, așa că poate am dat programarea altcuiva.

link-call-us = Dacă aveți întrebări, sunați la { $phone }.
link-changed = Ceva s-a schimbat cât timp erați pe această pagină. Vă rugăm să verificați din nou detaliile.

link-bad-title = Acest link nu funcționează
link-bad-lead = Verificați dacă ați folosit tot linkul din mesaj. Dacă tot nu funcționează, vă rugăm să sunați la clinică.
link-problem-title = Ne pare rău, există o problemă cu serviciul
link-problem-lead = Vă rugăm să încercați din nou mai târziu sau să sunați la clinică.
link-reference = Dacă sunați la clinică despre asta, spuneți-le această referință: { $id }
