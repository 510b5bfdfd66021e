# Cymraeg (Welsh). DRAFT: this translation needs review by a native speaker before live use.
# Drafted from the English by the developers. Keep sentences short and plain: patients read these pages
# on a phone, sometimes in a hurry. Dates and places come after a label ("Pryd", "Ble"), so no mutation
# is needed.

## Pages patients reach from the links in their messages (confirm, cancel, answer an offer).

link-when = Pryd
link-where = Ble
link-what = Apwyntiad
link-place-phone = Byddwn ni'n eich ffonio
link-place-video = Galwad fideo
link-place-home = Yn eich cartref
link-reply-by = Atebwch erbyn

link-confirm-title = Rhowch wybod i ni y byddwch chi'n dod
link-confirm-lead = Gwiriwch y manylion isod.
link-confirm-button = Byddaf, bydda i'n dod
link-confirm-cannot-come = Methu dod?
link-confirm-cancel-link = Canslo eich apwyntiad
link-confirmed-title = Diolch
link-confirmed-lead = Rydych chi wedi dweud wrthym y byddwch chi'n dod. Welwn ni chi bryd hynny.

link-cancel-title = Canslo eich apwyntiad?
link-cancel-lead = Canslwch dim ond os na allwch chi ddod. Yna gall rhywun arall gael yr amser hwn.
link-cancel-button = Ie, canslwch fy apwyntiad
link-cancel-keep = I gadw eich apwyntiad, does dim rhaid i chi wneud dim byd.
link-cancel-too-late-title = Mae'n rhy hwyr i ganslo ar-lein
link-cancel-too-late-phone = Ffoniwch ni ar { $phone } i ddweud na allwch chi ddod.
link-cancel-too-late = Ffoniwch ni i ddweud na allwch chi ddod.

link-cancelled-title = Mae eich apwyntiad wedi'i ganslo
link-cancelled-lead = Byddwn ni'n anfon neges atoch i ddweud ei fod wedi'i ganslo.
link-moved-title = Mae'r apwyntiad hwn wedi symud
link-moved-lead = Mae amser newydd i'ch apwyntiad. Defnyddiwch y dolenni yn y neges fwyaf newydd a anfonon ni atoch.
link-expired-title = Mae'r ddolen hon wedi dod i ben
link-expired-lead = Mae'r apwyntiad wedi dechrau neu wedi gorffen, felly nid yw'r ddolen hon yn gweithio mwyach.

link-offer-title = Hoffech chi'r apwyntiad cynharach hwn?
link-offer-lead = Mae apwyntiad ar gael yn gynt na'r un rydych chi'n aros amdano.
link-offer-accept = Hoffwn, trefnwch e i mi
link-offer-decline = Dim diolch
link-offer-stay = Os byddwch chi'n dweud na, byddwch chi'n aros ar y rhestr aros.
link-offer-accepted-title = Mae eich apwyntiad wedi'i drefnu
link-offer-accepted-lead = Byddwn ni'n anfon neges atoch gyda'r manylion.
link-offer-declined-title = Diolch am roi gwybod i ni
link-offer-declined-lead = Rydych chi'n dal ar y rhestr aros. Byddwn ni'n dweud wrthych pan fydd amser arall ar gael.
link-offer-closed-title = Mae'r cynnig hwn wedi dod i ben
link-offer-closed-lead = Mae'r amser i ateb wedi mynd heibio, felly efallai bod yr apwyntiad wedi mynd i rywun arall.

link-call-us = Os oes gennych gwestiwn, ffoniwch { $phone }.
link-changed = Newidiodd rhywbeth tra oeddech chi ar y dudalen hon. Gwiriwch y manylion eto.

link-bad-title = Nid yw'r ddolen hon yn gweithio
link-bad-lead = Gwiriwch eich bod wedi defnyddio'r ddolen gyfan o'ch neges. Os nad yw'n gweithio o hyd, ffoniwch y practis.
link-problem-title = Mae'n ddrwg gennym, mae problem gyda'r gwasanaeth
link-problem-lead = Rhowch gynnig arall arni yn nes ymlaen, neu ffoniwch y practis.
link-reference = Os byddwch chi'n ffonio'r practis am hyn, rhowch y cyfeirnod hwn iddyn nhw: { $id }
