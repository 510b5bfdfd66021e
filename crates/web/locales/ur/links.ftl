# اردو (Urdu, right to left). DRAFT: this translation needs review by a native speaker before live use.
# Drafted from the English by the developers. Polite "آپ", as in the messages; where a first-person verb
# needs a gender, both forms are given ("آؤں گا/گی"). Pages set dir="rtl" and lang="ur"; phone numbers
# are isolated left to right by the page, so their groups of digits keep their order.

## Pages patients reach from the links in their messages (confirm, cancel, answer an offer).

link-when = وقت
link-where = جگہ
link-what = اپائنٹمنٹ
link-place-phone = ہم آپ کو فون کریں گے
link-place-video = ویڈیو کال
link-place-home = آپ کے گھر پر
link-reply-by = جواب کی آخری تاریخ

link-confirm-title = ہمیں بتائیں کہ آپ آئیں گے
link-confirm-lead = براہ کرم نیچے دی گئی تفصیلات دیکھیں۔
link-confirm-button = جی ہاں، میں آؤں گا/گی
link-confirm-cannot-come = نہیں آ سکتے؟
link-confirm-cancel-link = اپنی اپائنٹمنٹ منسوخ کریں
link-confirmed-title = شکریہ
link-confirmed-lead = آپ نے ہمیں بتا دیا ہے کہ آپ آئیں گے۔ پھر ملاقات ہو گی۔

link-cancel-title = اپنی اپائنٹمنٹ منسوخ کریں؟
link-cancel-lead = صرف اسی وقت منسوخ کریں جب آپ نہ آ سکیں۔ پھر یہ وقت کسی اور کو مل سکتا ہے۔
link-cancel-button = جی ہاں، میری اپائنٹمنٹ منسوخ کریں
link-cancel-keep = اپنی اپائنٹمنٹ رکھنے کے لیے آپ کو کچھ کرنے کی ضرورت نہیں۔
link-cancel-too-late-title = آن لائن منسوخ کرنے میں بہت دیر ہو گئی ہے
link-cancel-too-late-phone = براہ کرم ہمیں { $phone } پر فون کر کے بتائیں کہ آپ نہیں آ سکتے۔
link-cancel-too-late = براہ کرم ہمیں فون کر کے بتائیں کہ آپ نہیں آ سکتے۔

link-cancelled-title = آپ کی اپائنٹمنٹ منسوخ ہو گئی ہے
link-cancelled-lead = ہم آپ کو ایک پیغام بھیجیں گے کہ یہ منسوخ ہو گئی ہے۔
link-moved-title = اس اپائنٹمنٹ کا وقت بدل گیا ہے
link-moved-lead = آپ کی اپائنٹمنٹ کا نیا وقت ہے۔ براہ کرم ہمارے سب سے نئے پیغام کے لنک استعمال کریں۔
link-expired-title = یہ لنک ختم ہو گیا ہے
link-expired-lead = اپائنٹمنٹ شروع ہو چکی ہے یا ختم ہو چکی ہے، اس لیے یہ لنک اب کام نہیں کرتا۔

link-offer-title = کیا آپ یہ پہلے کی اپائنٹمنٹ لینا چاہتے ہیں؟
link-offer-lead = جس اپائنٹمنٹ کا آپ انتظار کر رہے ہیں، اس سے پہلے ایک اپائنٹمنٹ خالی ہے۔
link-offer-accept = جی ہاں، یہ میرے لیے بک کریں
link-offer-decline = نہیں، شکریہ
link-offer-stay = اگر آپ نہیں کہیں تو آپ انتظار کی فہرست میں رہیں گے۔
link-offer-accepted-title = آپ کی اپائنٹمنٹ بک ہو گئی ہے
link-offer-accepted-lead = ہم آپ کو تفصیلات کے ساتھ ایک پیغام بھیجیں گے۔
link-offer-declined-title = ہمیں بتانے کا شکریہ
link-offer-declined-lead = آپ اب بھی انتظار کی فہرست میں ہیں۔ جب کوئی اور وقت خالی ہو گا تو ہم آپ کو بتائیں گے۔
link-offer-closed-title = یہ پیشکش ختم ہو گئی ہے
link-offer-closed-lead = جواب دینے کا وقت گزر گیا ہے، اس لیے ہو سکتا ہے یہ اپائنٹمنٹ کسی اور کو دے دی گئی ہو۔

link-call-us = اگر آپ کا کوئی سوال ہو تو { $phone } پر فون کریں۔
link-changed = جب آپ اس صفحے پر تھے تو کچھ بدل گیا۔ براہ کرم تفصیلات دوبارہ دیکھیں۔

link-bad-title = یہ لنک کام نہیں کرتا
link-bad-lead = دیکھیں کہ آپ نے اپنے پیغام کا پورا لنک استعمال کیا ہے۔ اگر پھر بھی کام نہ کرے تو براہ کرم کلینک کو فون کریں۔
link-problem-title = معذرت، سروس میں ایک مسئلہ ہے
link-problem-lead = براہ کرم بعد میں دوبارہ کوشش کریں، یا کلینک کو فون کریں۔
link-reference = اگر آپ اس بارے میں کلینک کو فون کریں تو انہیں یہ حوالہ بتائیں: { $id }
