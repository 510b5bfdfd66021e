# Cymraeg (Welsh). DRAFT: this translation needs review by a native speaker before live use.
# Drafted from the English by the developers. Keep sentences short and plain.
# Text messages avoid letters outside the GSM alphabet (â, ô, ŵ) where Welsh allows, so they stay in
# the cheaper 7-bit encoding. Dates come in as "dydd Mawrth 3 Mawrth am 09:10"; put them after a label ("Pryd:") so no mutation
# is needed.

## Shared phrases.

where-surgery = Ble: { $address }
where-home = Ble: byddwn ni'n dod i'ch cartref.
where-phone = Byddwn ni'n eich ffonio. Cadwch eich ffôn gyda chi.
where-video = Galwad fideo yw hon. Ymunwch yma: { $link }

bring = Dewch â hyn gyda chi: { $items }.

cancel-phone-link = I ganslo neu newid, ffoniwch { $phone } neu ewch i { $link }
cancel-phone = I ganslo neu newid, ffoniwch { $phone }.
cancel-link = I ganslo neu newid, ewch i { $link }

confirm-link = Fyddwch chi'n dod? Rhowch wybod i ni yma: { $link }

rebook-phone-link = I drefnu amser newydd, ffoniwch { $phone } neu ewch i { $link }
rebook-phone = I drefnu amser newydd, ffoniwch { $phone }.
rebook-link = I drefnu amser newydd, ewch i { $link }

contact-phone-link = Os oes gennych gwestiwn, ffoniwch { $phone } neu ewch i { $link }
contact-phone = Os oes gennych gwestiwn, ffoniwch { $phone }.
contact-link = Os oes gennych gwestiwn, ewch i { $link }

## Shorter forms for text messages.

cancel-sms-phone-link = I ganslo neu newid: { $phone } neu { $link }
cancel-sms-phone = I ganslo neu newid, ffoniwch { $phone }.
cancel-sms-link = I ganslo neu newid: { $link }
rebook-sms-phone-link = I drefnu eto: { $phone } neu { $link }
rebook-sms-phone = I drefnu eto, ffoniwch { $phone }.
rebook-sms-link = I drefnu eto: { $link }
contact-sms-phone-link = Cwestiynau: { $phone } neu { $link }
contact-sms-phone = Cwestiynau? Ffoniwch { $phone }.
contact-sms-link = Cwestiynau: { $link }

## Booking confirmation

booking-confirmation-sms =
    { $practice }: Helo { $name }. Mae eich apwyntiad wedi'i drefnu.
    Pryd: { $when }
    { $where }
    { $cancel }
booking-confirmation-sms-easy-read =
    Helo { $name }. Mae gennych apwyntiad gyda { $practice }.
    Pryd: { $when }
    { $where }
    { $cancel }
booking-confirmation-email-subject = Mae eich apwyntiad wedi'i drefnu
booking-confirmation-email-subject-easy-read = Mae gennych apwyntiad
booking-confirmation-email-body =
    Helo { $name },

    Mae eich apwyntiad gyda { $practice } wedi'i drefnu.

    Pryd: { $when }
    { $where }

    { $bring }

    { $cancel }

    Diolch,
    { $practice }
booking-confirmation-email-body-easy-read =
    Helo { $name }.

    Mae gennych apwyntiad gyda { $practice }.

    Pryd: { $when }

    { $where }

    { $bring }

    Methu dod? Rhowch wybod i ni.
    { $cancel }

## Reminder

reminder-sms =
    { $practice }: Helo { $name }. Dyma nodyn i'ch atgoffa am eich apwyntiad.
    Pryd: { $when }
    { $where }
    { $cancel }
reminder-sms-easy-read =
    Helo { $name }. Cofiwch eich apwyntiad gyda { $practice }.
    Pryd: { $when }
    { $where }
    { $cancel }
reminder-email-subject = Nodyn atgoffa: eich apwyntiad, { $when }
reminder-email-subject-easy-read = Cofiwch eich apwyntiad
reminder-email-body =
    Helo { $name },

    Dyma nodyn i'ch atgoffa am eich apwyntiad gyda { $practice }.

    Pryd: { $when }
    { $where }

    { $bring }

    { $confirm }

    { $cancel }

    Diolch,
    { $practice }
reminder-email-body-easy-read =
    Helo { $name }.

    Cofiwch eich apwyntiad gyda { $practice }.

    Pryd: { $when }

    { $where }

    { $bring }

    { $confirm }

    Methu dod? Rhowch wybod i ni.
    { $cancel }

## Reschedule

reschedule-sms =
    { $practice }: Helo { $name }. Mae eich apwyntiad wedi symud.
    Amser newydd: { $when }
    { $where }
    { $cancel }
reschedule-sms-easy-read =
    Helo { $name }. Mae amser newydd i'ch apwyntiad gyda { $practice }.
    Amser newydd: { $when }
    { $where }
    { $cancel }
reschedule-email-subject = Mae eich apwyntiad wedi symud
reschedule-email-subject-easy-read = Amser newydd i'ch apwyntiad
reschedule-email-body =
    Helo { $name },

    Mae eich apwyntiad gyda { $practice } wedi symud i amser newydd.

    Amser newydd: { $when }
    { $where }

    { $bring }

    Os nad yw'r amser newydd yn addas, rhowch wybod i ni.
    { $cancel }

    Diolch,
    { $practice }
reschedule-email-body-easy-read =
    Helo { $name }.

    Mae amser newydd i'ch apwyntiad gyda { $practice }.

    Amser newydd: { $when }

    { $where }

    { $bring }

    Methu dod? Rhowch wybod i ni.
    { $cancel }

## Cancelled by the practice

cancellation-by-practice-sms =
    { $practice }: Helo { $name }. Mae'n ddrwg gennym. Bu'n rhaid i ni ganslo eich apwyntiad.
    Yr apwyntiad: { $when }
    { $rebook }
cancellation-by-practice-sms-easy-read =
    Helo { $name }. Mae'n ddrwg gennym. Mae { $practice } wedi canslo eich apwyntiad.
    Yr apwyntiad: { $when }
    { $rebook }
cancellation-by-practice-email-subject = Bu'n rhaid i ni ganslo eich apwyntiad
cancellation-by-practice-email-subject-easy-read = Mae eich apwyntiad wedi'i ganslo
cancellation-by-practice-email-body =
    Helo { $name },

    Mae'n ddrwg gennym. Bu'n rhaid i ni ganslo eich apwyntiad.

    Yr apwyntiad: { $when }

    { $rebook }

    Mae'n ddrwg gennym am unrhyw drafferth.

    { $practice }
cancellation-by-practice-email-body-easy-read =
    Helo { $name }.

    Mae'n ddrwg gennym.

    Bu'n rhaid i ni ganslo eich apwyntiad.

    Yr apwyntiad: { $when }

    Trefnwch amser newydd, os gwelwch yn dda.
    { $rebook }

    { $practice }

## Cancelled by the patient

cancellation-by-patient-sms =
    { $practice }: Helo { $name }. Mae eich apwyntiad wedi'i ganslo, fel y gofynnoch.
    Yr apwyntiad: { $when }
    { $rebook }
cancellation-by-patient-sms-easy-read =
    Helo { $name }. Gofynnoch i { $practice } ganslo eich apwyntiad. Mae wedi'i ganslo.
    Yr apwyntiad: { $when }
    { $rebook }
cancellation-by-patient-email-subject = Mae eich apwyntiad wedi'i ganslo
cancellation-by-patient-email-subject-easy-read = Mae eich apwyntiad wedi'i ganslo
cancellation-by-patient-email-body =
    Helo { $name },

    Gofynnoch i ni ganslo eich apwyntiad. Mae wedi'i ganslo nawr.

    Yr apwyntiad: { $when }

    { $rebook }

    Diolch am roi gwybod i ni. Gallwn roi'r amser i rywun arall nawr.

    { $practice }
cancellation-by-patient-email-body-easy-read =
    Helo { $name }.

    Gofynnoch i ni ganslo eich apwyntiad.

    Yr apwyntiad: { $when }

    Mae wedi'i ganslo nawr.

    Diolch am roi gwybod i ni.

    { $rebook }

    { $practice }

## Waiting-list offer

waiting-list-offer-sms =
    { $practice }: Helo { $name }. Mae apwyntiad cynharach ar gael.
    Pryd: { $when }
    Derbyn neu wrthod: { $answer }
    Atebwch erbyn: { $deadline }
waiting-list-offer-sms-easy-read =
    Helo { $name }. Mae gan { $practice } amser cynharach i chi.
    Pryd: { $when }
    Ie neu na? Dywedwch wrthym yma: { $answer }
    Atebwch erbyn: { $deadline }
waiting-list-offer-email-subject = Mae apwyntiad cynharach ar gael
waiting-list-offer-email-subject-easy-read = Hoffech chi apwyntiad cynharach?
waiting-list-offer-email-body =
    Helo { $name },

    Rydych chi ar ein rhestr aros. Mae apwyntiad cynharach ar gael nawr.

    Pryd: { $when }
    { $where }

    I'w dderbyn, ewch i { $accept }

    Os nad ydych ei eisiau, ewch i { $decline }
    Byddwch yn aros ar y rhestr aros.

    Atebwch erbyn: { $deadline }
    Ar ôl hynny, efallai y byddwn yn ei roi i rywun arall.

    { $practice }
waiting-list-offer-email-body-easy-read =
    Helo { $name }.

    Mae gennym apwyntiad cynharach i chi.

    Pryd: { $when }

    { $where }

    Ydych chi ei eisiau?

    Ie: ewch i { $accept }

    Na: ewch i { $decline }

    Atebwch erbyn: { $deadline }

    { $practice }

## Running late. Welsh uses the singular noun after a number: "20 munud".

running-late-sms =
    { $practice }: Helo { $name }. Mae'n ddrwg gennym, rydym yn rhedeg yn hwyr. Gall eich apwyntiad ddechrau tua { $minutes } munud yn hwyr.
    Eich apwyntiad: { $when }
    Byddwch yn cadw eich lle.
running-late-sms-easy-read =
    Helo { $name }. Mae'n ddrwg gennym, mae { $practice } yn rhedeg yn hwyr. Gall eich apwyntiad ddechrau { $minutes } munud yn hwyr.
    Eich apwyntiad: { $when }
    Byddwch yn cadw eich lle.
running-late-email-subject = Rydym yn rhedeg yn hwyr
running-late-email-subject-easy-read = Rydym yn rhedeg yn hwyr
running-late-email-body =
    Helo { $name },

    Mae'n ddrwg gennym, rydym yn rhedeg yn hwyr heddiw.

    Eich apwyntiad: { $when }

    Gall ddechrau tua { $minutes } munud yn hwyr.

    Byddwch yn cadw eich lle. Does dim angen i chi wneud dim.

    { $practice }
running-late-email-body-easy-read =
    Helo { $name }.

    Mae'n ddrwg gennym. Rydym yn rhedeg yn hwyr.

    Eich apwyntiad: { $when }

    Gall ddechrau { $minutes } munud yn hwyr.

    Byddwch yn cadw eich lle.

    { $practice }

## Missed appointment

missed-appointment-sms =
    { $practice }: Helo { $name }. Wnaethon ni ddim eich gweld yn eich apwyntiad. Gobeithio eich bod yn iawn.
    Yr apwyntiad: { $when }
    { $rebook }
missed-appointment-sms-easy-read =
    Helo { $name }. Gwnaethoch golli eich apwyntiad gyda { $practice }.
    Yr apwyntiad: { $when }
    { $rebook }
missed-appointment-email-subject = Wnaethon ni ddim eich gweld
missed-appointment-email-subject-easy-read = Gwnaethoch golli eich apwyntiad
missed-appointment-email-body =
    Helo { $name },

    Wnaethon ni ddim eich gweld yn eich apwyntiad. Gobeithio eich bod yn iawn.

    Yr apwyntiad: { $when }

    Os oes angen i chi ein gweld o hyd, trefnwch apwyntiad eto.
    { $rebook }

    Os na allwch ddod y tro nesaf, rhowch wybod i ni. Yna gallwn roi'r amser i rywun arall.

    { $practice }
missed-appointment-email-body-easy-read =
    Helo { $name }.

    Gwnaethoch golli eich apwyntiad.

    Yr apwyntiad: { $when }

    Oes angen i chi ein gweld o hyd? Trefnwch apwyntiad eto.
    { $rebook }

    { $practice }

## After the visit

post-visit-sms =
    { $practice }: Helo { $name }. Diolch am eich apwyntiad.
    Yr apwyntiad: { $when }
    { $aftercare }
    { $contact }
post-visit-sms-easy-read =
    Helo { $name }. Diolch am weld { $practice }.
    Yr apwyntiad: { $when }
    { $aftercare }
    { $contact }
post-visit-email-subject = Ar ôl eich apwyntiad
post-visit-email-subject-easy-read = Ar ôl eich apwyntiad
post-visit-email-body =
    Helo { $name },

    Diolch am eich apwyntiad.

    Yr apwyntiad: { $when }

    { $aftercare }

    { $contact }

    Os ydych chi'n teimlo'n waeth a'i fod yn frys, ffoniwch GIG 111. Mewn argyfwng, ffoniwch 999.

    { $practice }
post-visit-email-body-easy-read =
    Helo { $name }.

    Diolch am ein gweld.

    Yr apwyntiad: { $when }

    { $aftercare }

    { $contact }

    Teimlo'n waeth ac angen help yn gyflym? Ffoniwch 111.

    Yn sâl iawn? Ffoniwch 999.

    { $practice }

## A doctor has asked us to see the patient

referral-received-sms =
    { $practice }: Helo { $name }. Mae eich meddyg wedi gofyn i ni eich gweld. Byddwn yn cysylltu gyda chi cyn bo hir i drefnu amser.
    { $contact }
referral-received-sms-easy-read =
    Helo { $name }. Mae eich meddyg eisiau i { $practice } eich gweld. Byddwn yn cysylltu gyda chi i drefnu amser.
    { $contact }
referral-received-email-subject = Mae eich meddyg wedi gofyn i ni eich gweld
referral-received-email-subject-easy-read = Mae eich meddyg wedi gofyn i ni eich gweld
referral-received-email-body =
    Helo { $name },

    Mae eich meddyg wedi gofyn i ni eich gweld. Mae'r llythyr gennym.

    Byddwn yn cysylltu â chi cyn bo hir i drefnu amser. Does dim angen i chi wneud dim nawr.

    { $contact }

    { $practice }
referral-received-email-body-easy-read =
    Helo { $name }.

    Mae eich meddyg eisiau i ni eich gweld.

    Byddwn yn cysylltu â chi cyn bo hir.

    Yna byddwn yn trefnu amser.

    { $contact }

    { $practice }

## Letters use the email wording; a practice can edit them apart.

booking-confirmation-letter-heading = { booking-confirmation-email-subject }
booking-confirmation-letter-body = { booking-confirmation-email-body }
booking-confirmation-letter-heading-easy-read = { booking-confirmation-email-subject-easy-read }
booking-confirmation-letter-body-easy-read = { booking-confirmation-email-body-easy-read }
reminder-letter-heading = { reminder-email-subject }
reminder-letter-body = { reminder-email-body }
reminder-letter-heading-easy-read = { reminder-email-subject-easy-read }
reminder-letter-body-easy-read = { reminder-email-body-easy-read }
reschedule-letter-heading = { reschedule-email-subject }
reschedule-letter-body = { reschedule-email-body }
reschedule-letter-heading-easy-read = { reschedule-email-subject-easy-read }
reschedule-letter-body-easy-read = { reschedule-email-body-easy-read }
cancellation-by-practice-letter-heading = { cancellation-by-practice-email-subject }
cancellation-by-practice-letter-body = { cancellation-by-practice-email-body }
cancellation-by-practice-letter-heading-easy-read = { cancellation-by-practice-email-subject-easy-read }
cancellation-by-practice-letter-body-easy-read = { cancellation-by-practice-email-body-easy-read }
cancellation-by-patient-letter-heading = { cancellation-by-patient-email-subject }
cancellation-by-patient-letter-body = { cancellation-by-patient-email-body }
cancellation-by-patient-letter-heading-easy-read = { cancellation-by-patient-email-subject-easy-read }
cancellation-by-patient-letter-body-easy-read = { cancellation-by-patient-email-body-easy-read }
waiting-list-offer-letter-heading = { waiting-list-offer-email-subject }
waiting-list-offer-letter-body = { waiting-list-offer-email-body }
waiting-list-offer-letter-heading-easy-read = { waiting-list-offer-email-subject-easy-read }
waiting-list-offer-letter-body-easy-read = { waiting-list-offer-email-body-easy-read }
running-late-letter-heading = { running-late-email-subject }
running-late-letter-body = { running-late-email-body }
running-late-letter-heading-easy-read = { running-late-email-subject-easy-read }
running-late-letter-body-easy-read = { running-late-email-body-easy-read }
missed-appointment-letter-heading = { missed-appointment-email-subject }
missed-appointment-letter-body = { missed-appointment-email-body }
missed-appointment-letter-heading-easy-read = { missed-appointment-email-subject-easy-read }
missed-appointment-letter-body-easy-read = { missed-appointment-email-body-easy-read }
post-visit-letter-heading = { post-visit-email-subject }
post-visit-letter-body = { post-visit-email-body }
post-visit-letter-heading-easy-read = { post-visit-email-subject-easy-read }
post-visit-letter-body-easy-read = { post-visit-email-body-easy-read }
referral-received-letter-heading = { referral-received-email-subject }
referral-received-letter-body = { referral-received-email-body }
referral-received-letter-heading-easy-read = { referral-received-email-subject-easy-read }
referral-received-letter-body-easy-read = { referral-received-email-body-easy-read }
