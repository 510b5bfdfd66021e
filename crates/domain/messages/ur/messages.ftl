# اردو (Urdu, right to left). DRAFT: this translation needs review by a native speaker before live use.
# Drafted from the English by the developers. Polite "آپ"; the practice name and dates follow a label
# ("وقت:", "کلینک:"). HTML output sets dir="rtl" and lang="ur".

## Shared phrases.

where-surgery = جگہ: { $address }
where-home = جگہ: ہم آپ کے گھر آئیں گے۔
where-phone = ہم آپ کو فون کریں گے۔ براہ کرم اپنا فون اپنے پاس رکھیں۔
where-video = یہ ویڈیو کال ہے۔ یہاں شامل ہوں: { $link }

bring = براہ کرم ساتھ لائیں: { $items }۔

cancel-phone-link = منسوخ کرنے یا بدلنے کے لیے { $phone } پر فون کریں یا { $link } پر جائیں
cancel-phone = منسوخ کرنے یا بدلنے کے لیے { $phone } پر فون کریں۔
cancel-link = منسوخ کرنے یا بدلنے کے لیے { $link } پر جائیں

confirm-link = کیا آپ آئیں گے؟ براہ کرم ہمیں یہاں بتائیں: { $link }

rebook-phone-link = نیا وقت لینے کے لیے { $phone } پر فون کریں یا { $link } پر جائیں
rebook-phone = نیا وقت لینے کے لیے { $phone } پر فون کریں۔
rebook-link = نیا وقت لینے کے لیے { $link } پر جائیں

contact-phone-link = اگر آپ کا کوئی سوال ہو تو { $phone } پر فون کریں یا { $link } پر جائیں
contact-phone = اگر آپ کا کوئی سوال ہو تو { $phone } پر فون کریں۔
contact-link = اگر آپ کا کوئی سوال ہو تو { $link } پر جائیں

## Shorter forms for text messages.

cancel-sms-phone-link = منسوخ یا تبدیل کریں: { $phone } یا { $link }
cancel-sms-phone = منسوخ یا تبدیل کریں: { $phone }
cancel-sms-link = منسوخ یا تبدیل کریں: { $link }
rebook-sms-phone-link = نیا وقت: { $phone } یا { $link }
rebook-sms-phone = نیا وقت: { $phone }
rebook-sms-link = نیا وقت: { $link }
contact-sms-phone-link = سوالات: { $phone } یا { $link }
contact-sms-phone = سوالات: { $phone }
contact-sms-link = سوالات: { $link }

## Booking confirmation

booking-confirmation-sms =
    { $practice }: ہیلو { $name }۔ آپ کی اپائنٹمنٹ طے ہو گئی ہے۔
    وقت: { $when }
    { $where }
    { $cancel }
booking-confirmation-sms-easy-read =
    ہیلو { $name }۔ آپ کی ایک اپائنٹمنٹ ہے۔
    کلینک: { $practice }
    وقت: { $when }
    { $where }
    { $cancel }
booking-confirmation-email-subject = آپ کی اپائنٹمنٹ طے ہو گئی ہے
booking-confirmation-email-subject-easy-read = آپ کی ایک اپائنٹمنٹ ہے
booking-confirmation-email-body =
    ہیلو { $name }،

    { $practice } کے ساتھ آپ کی اپائنٹمنٹ طے ہو گئی ہے۔

    وقت: { $when }
    { $where }

    { $bring }

    { $cancel }

    شکریہ،
    { $practice }
booking-confirmation-email-body-easy-read =
    ہیلو { $name }۔

    آپ کی ایک اپائنٹمنٹ ہے۔

    کلینک: { $practice }

    وقت: { $when }

    { $where }

    { $bring }

    نہیں آ سکتے؟ براہ کرم ہمیں بتائیں۔
    { $cancel }

## Reminder

reminder-sms =
    { $practice }: ہیلو { $name }۔ یہ آپ کی اپائنٹمنٹ کی یاد دہانی ہے۔
    وقت: { $when }
    { $where }
    { $cancel }
reminder-sms-easy-read =
    ہیلو { $name }۔ اپنی اپائنٹمنٹ یاد رکھیں۔
    کلینک: { $practice }
    وقت: { $when }
    { $where }
    { $cancel }
reminder-email-subject = یاد دہانی: آپ کی اپائنٹمنٹ، { $when }
reminder-email-subject-easy-read = اپنی اپائنٹمنٹ یاد رکھیں
reminder-email-body =
    ہیلو { $name }،

    یہ { $practice } کے ساتھ آپ کی اپائنٹمنٹ کی یاد دہانی ہے۔

    وقت: { $when }
    { $where }

    { $bring }

    { $confirm }

    { $cancel }

    شکریہ،
    { $practice }
reminder-email-body-easy-read =
    ہیلو { $name }۔

    اپنی اپائنٹمنٹ یاد رکھیں۔

    کلینک: { $practice }

    وقت: { $when }

    { $where }

    { $bring }

    { $confirm }

    نہیں آ سکتے؟ براہ کرم ہمیں بتائیں۔
    { $cancel }

## Reschedule

reschedule-sms =
    { $practice }: ہیلو { $name }۔ آپ کی اپائنٹمنٹ کا وقت بدل گیا ہے۔
    نیا وقت: { $when }
    { $where }
    { $cancel }
reschedule-sms-easy-read =
    ہیلو { $name }۔ آپ کی اپائنٹمنٹ کا نیا وقت ہے۔
    کلینک: { $practice }
    نیا وقت: { $when }
    { $where }
    { $cancel }
reschedule-email-subject = آپ کی اپائنٹمنٹ کا وقت بدل گیا ہے
reschedule-email-subject-easy-read = آپ کی اپائنٹمنٹ کا نیا وقت
reschedule-email-body =
    ہیلو { $name }،

    { $practice } کے ساتھ آپ کی اپائنٹمنٹ کا وقت بدل گیا ہے۔

    نیا وقت: { $when }
    { $where }

    { $bring }

    اگر نیا وقت آپ کے لیے ٹھیک نہیں ہے تو براہ کرم ہمیں بتائیں۔
    { $cancel }

    شکریہ،
    { $practice }
reschedule-email-body-easy-read =
    ہیلو { $name }۔

    آپ کی اپائنٹمنٹ کا نیا وقت ہے۔

    کلینک: { $practice }

    نیا وقت: { $when }

    { $where }

    { $bring }

    نہیں آ سکتے؟ براہ کرم ہمیں بتائیں۔
    { $cancel }

## Cancelled by the practice

cancellation-by-practice-sms =
    { $practice }: ہیلو { $name }۔ ہمیں افسوس ہے، ہمیں آپ کی اپائنٹمنٹ منسوخ کرنی پڑی۔
    اپائنٹمنٹ: { $when }
    { $rebook }
cancellation-by-practice-sms-easy-read =
    ہیلو { $name }۔ ہمیں افسوس ہے۔ ہم نے آپ کی اپائنٹمنٹ منسوخ کر دی ہے۔
    کلینک: { $practice }
    اپائنٹمنٹ: { $when }
    { $rebook }
cancellation-by-practice-email-subject = ہمیں آپ کی اپائنٹمنٹ منسوخ کرنی پڑی
cancellation-by-practice-email-subject-easy-read = آپ کی اپائنٹمنٹ منسوخ ہو گئی ہے
cancellation-by-practice-email-body =
    ہیلو { $name }،

    ہمیں افسوس ہے۔ ہمیں آپ کی اپائنٹمنٹ منسوخ کرنی پڑی۔

    اپائنٹمنٹ: { $when }

    { $rebook }

    کسی بھی پریشانی کے لیے ہم معذرت خواہ ہیں۔

    { $practice }
cancellation-by-practice-email-body-easy-read =
    ہیلو { $name }۔

    ہمیں افسوس ہے۔

    ہمیں آپ کی اپائنٹمنٹ منسوخ کرنی پڑی۔

    اپائنٹمنٹ: { $when }

    براہ کرم نیا وقت لیں۔
    { $rebook }

    { $practice }

## Cancelled by the patient

cancellation-by-patient-sms =
    { $practice }: ہیلو { $name }۔ آپ کے کہنے پر آپ کی اپائنٹمنٹ منسوخ کر دی گئی ہے۔
    اپائنٹمنٹ: { $when }
    { $rebook }
cancellation-by-patient-sms-easy-read =
    ہیلو { $name }۔ آپ نے اپائنٹمنٹ منسوخ کرنے کو کہا۔ یہ منسوخ ہو گئی ہے۔
    کلینک: { $practice }
    اپائنٹمنٹ: { $when }
    { $rebook }
cancellation-by-patient-email-subject = آپ کی اپائنٹمنٹ منسوخ ہو گئی ہے
cancellation-by-patient-email-subject-easy-read = آپ کی اپائنٹمنٹ منسوخ ہو گئی ہے
cancellation-by-patient-email-body =
    ہیلو { $name }،

    آپ نے ہم سے اپنی اپائنٹمنٹ منسوخ کرنے کو کہا۔ اب یہ منسوخ ہو گئی ہے۔

    اپائنٹمنٹ: { $when }

    { $rebook }

    ہمیں بتانے کا شکریہ۔ اب ہم یہ وقت کسی اور کو دے سکتے ہیں۔

    { $practice }
cancellation-by-patient-email-body-easy-read =
    ہیلو { $name }۔

    آپ نے اپائنٹمنٹ منسوخ کرنے کو کہا۔

    اپائنٹمنٹ: { $when }

    اب یہ منسوخ ہو گئی ہے۔

    ہمیں بتانے کا شکریہ۔

    { $rebook }

    { $practice }

## Waiting-list offer

waiting-list-offer-sms =
    { $practice }: ہیلو { $name }۔ ایک پہلے کی اپائنٹمنٹ خالی ہے۔
    وقت: { $when }
    قبول یا انکار کریں: { $answer }
    جواب کی آخری تاریخ: { $deadline }
waiting-list-offer-sms-easy-read =
    ہیلو { $name }۔ ہمارے پاس آپ کے لیے پہلے کا وقت ہے۔
    کلینک: { $practice }
    وقت: { $when }
    ہاں یا نہیں؟ ہمیں یہاں بتائیں: { $answer }
    جواب کی آخری تاریخ: { $deadline }
waiting-list-offer-email-subject = ایک پہلے کی اپائنٹمنٹ خالی ہے
waiting-list-offer-email-subject-easy-read = کیا آپ پہلے کی اپائنٹمنٹ چاہتے ہیں؟
waiting-list-offer-email-body =
    ہیلو { $name }،

    آپ ہماری انتظار کی فہرست میں ہیں۔ اب ایک پہلے کی اپائنٹمنٹ خالی ہے۔

    وقت: { $when }
    { $where }

    اسے لینے کے لیے { $accept } پر جائیں

    اگر آپ یہ نہیں چاہتے تو { $decline } پر جائیں
    آپ انتظار کی فہرست میں رہیں گے۔

    جواب کی آخری تاریخ: { $deadline }
    اس کے بعد ہم یہ وقت کسی اور کو دے سکتے ہیں۔

    { $practice }
waiting-list-offer-email-body-easy-read =
    ہیلو { $name }۔

    ہمارے پاس آپ کے لیے پہلے کی اپائنٹمنٹ ہے۔

    وقت: { $when }

    { $where }

    کیا آپ یہ چاہتے ہیں؟

    ہاں: { $accept } پر جائیں

    نہیں: { $decline } پر جائیں

    جواب کی آخری تاریخ: { $deadline }

    { $practice }

## Running late. "منٹ" does not change in the plural.

running-late-sms =
    { $practice }: ہیلو { $name }۔ معذرت، ہم دیر سے چل رہے ہیں۔ آپ کی اپائنٹمنٹ تقریباً { $minutes } منٹ دیر سے شروع ہو سکتی ہے۔
    اپائنٹمنٹ: { $when }
    آپ کی جگہ برقرار رہے گی۔
running-late-sms-easy-read =
    ہیلو { $name }۔ معذرت، ہم دیر سے چل رہے ہیں۔ آپ کی اپائنٹمنٹ { $minutes } منٹ دیر سے شروع ہو سکتی ہے۔
    کلینک: { $practice }
    اپائنٹمنٹ: { $when }
    آپ کی جگہ برقرار رہے گی۔
running-late-email-subject = ہم دیر سے چل رہے ہیں
running-late-email-subject-easy-read = ہم دیر سے چل رہے ہیں
running-late-email-body =
    ہیلو { $name }،

    معذرت، آج ہم دیر سے چل رہے ہیں۔

    اپائنٹمنٹ: { $when }

    یہ تقریباً { $minutes } منٹ دیر سے شروع ہو سکتی ہے۔

    آپ کی جگہ برقرار رہے گی۔ آپ کو کچھ کرنے کی ضرورت نہیں۔

    { $practice }
running-late-email-body-easy-read =
    ہیلو { $name }۔

    معذرت۔ ہم دیر سے چل رہے ہیں۔

    اپائنٹمنٹ: { $when }

    یہ { $minutes } منٹ دیر سے شروع ہو سکتی ہے۔

    آپ کی جگہ برقرار رہے گی۔

    { $practice }

## Missed appointment

missed-appointment-sms =
    { $practice }: ہیلو { $name }۔ آپ کی اپائنٹمنٹ چھوٹ گئی۔ ہمیں امید ہے آپ خیریت سے ہیں۔
    اپائنٹمنٹ: { $when }
    { $rebook }
missed-appointment-sms-easy-read =
    ہیلو { $name }۔ آپ کی اپائنٹمنٹ چھوٹ گئی۔
    کلینک: { $practice }
    اپائنٹمنٹ: { $when }
    { $rebook }
missed-appointment-email-subject = آپ کی اپائنٹمنٹ چھوٹ گئی
missed-appointment-email-subject-easy-read = آپ کی اپائنٹمنٹ چھوٹ گئی
missed-appointment-email-body =
    ہیلو { $name }،

    آپ کی اپائنٹمنٹ چھوٹ گئی۔ ہمیں امید ہے آپ خیریت سے ہیں۔

    اپائنٹمنٹ: { $when }

    اگر آپ کو اب بھی ہم سے ملنا ہے تو براہ کرم دوبارہ وقت لیں۔
    { $rebook }

    اگر آپ اگلی بار نہ آ سکیں تو براہ کرم ہمیں بتائیں۔ پھر ہم یہ وقت کسی اور کو دے سکتے ہیں۔

    { $practice }
missed-appointment-email-body-easy-read =
    ہیلو { $name }۔

    آپ کی اپائنٹمنٹ چھوٹ گئی۔

    اپائنٹمنٹ: { $when }

    کیا آپ کو اب بھی ہم سے ملنا ہے؟ دوبارہ وقت لیں۔
    { $rebook }

    { $practice }

## After the visit

post-visit-sms =
    { $practice }: ہیلو { $name }۔ ہم سے ملنے کا شکریہ۔
    اپائنٹمنٹ: { $when }
    { $aftercare }
    { $contact }
post-visit-sms-easy-read =
    ہیلو { $name }۔ ہم سے ملنے کا شکریہ۔
    کلینک: { $practice }
    اپائنٹمنٹ: { $when }
    { $aftercare }
    { $contact }
post-visit-email-subject = آپ کی اپائنٹمنٹ کے بعد
post-visit-email-subject-easy-read = آپ کی اپائنٹمنٹ کے بعد
post-visit-email-body =
    ہیلو { $name }،

    ہم سے ملنے کا شکریہ۔

    اپائنٹمنٹ: { $when }

    { $aftercare }

    { $contact }

    اگر آپ کی طبیعت زیادہ خراب ہو اور معاملہ فوری ہو تو NHS 111 پر فون کریں۔ ایمرجنسی میں 999 پر فون کریں۔

    { $practice }
post-visit-email-body-easy-read =
    ہیلو { $name }۔

    ہم سے ملنے کا شکریہ۔

    اپائنٹمنٹ: { $when }

    { $aftercare }

    { $contact }

    طبیعت زیادہ خراب ہے اور جلدی مدد چاہیے؟ 111 پر فون کریں۔

    بہت بیمار ہیں؟ 999 پر فون کریں۔

    { $practice }

## A doctor has asked us to see the patient

referral-received-sms =
    { $practice }: ہیلو { $name }۔ آپ کے ڈاکٹر نے ہم سے آپ کو دیکھنے کو کہا ہے۔ ہم جلد وقت طے کرنے کے لیے آپ سے رابطہ کریں گے۔
    { $contact }
referral-received-sms-easy-read =
    ہیلو { $name }۔ آپ کے ڈاکٹر چاہتے ہیں کہ ہم آپ کو دیکھیں۔ ہم وقت طے کرنے کے لیے آپ سے رابطہ کریں گے۔
    کلینک: { $practice }
    { $contact }
referral-received-email-subject = آپ کے ڈاکٹر نے ہم سے آپ کو دیکھنے کو کہا ہے
referral-received-email-subject-easy-read = آپ کے ڈاکٹر نے ہم سے آپ کو دیکھنے کو کہا ہے
referral-received-email-body =
    ہیلو { $name }،

    آپ کے ڈاکٹر نے ہم سے آپ کو دیکھنے کو کہا ہے۔ ان کا خط ہمارے پاس ہے۔

    ہم جلد وقت طے کرنے کے لیے آپ سے رابطہ کریں گے۔ ابھی آپ کو کچھ کرنے کی ضرورت نہیں۔

    { $contact }

    { $practice }
referral-received-email-body-easy-read =
    ہیلو { $name }۔

    آپ کے ڈاکٹر چاہتے ہیں کہ ہم آپ کو دیکھیں۔

    ہم جلد آپ سے رابطہ کریں گے۔

    پھر ہم وقت طے کریں گے۔

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
