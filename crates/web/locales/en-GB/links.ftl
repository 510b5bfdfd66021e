## Pages patients reach from the links in their messages (confirm, cancel, answer an offer).
## Plain English, short sentences: patients read these on a phone, sometimes in a hurry.

link-when = When
link-where = Where
link-what = Appointment
link-place-phone = We will phone you
link-place-video = Video call
link-place-home = At your home
link-reply-by = Please answer by

link-confirm-title = Tell us you will come
link-confirm-lead = Please check the details below.
link-confirm-button = Yes, I will come
link-confirm-cannot-come = Cannot come?
link-confirm-cancel-link = Cancel your appointment
link-confirmed-title = Thank you
link-confirmed-lead = You have told us you will come. See you then.

link-cancel-title = Cancel your appointment?
link-cancel-lead = Only cancel if you cannot come. Someone else can then have this time.
link-cancel-button = Yes, cancel my appointment
link-cancel-keep = To keep your appointment, you do not need to do anything.
link-cancel-too-late-title = It is too late to cancel online
link-cancel-too-late-phone = Please call us on { $phone } to tell us you cannot come.
link-cancel-too-late = Please call us to tell us you cannot come.

link-cancelled-title = Your appointment is cancelled
link-cancelled-lead = We will send you a message to say it is cancelled.
link-moved-title = This appointment has moved
link-moved-lead = Your appointment has a new time. Please use the links in the newest message we sent you.
link-expired-title = This link has ended
link-expired-lead = The appointment has started or is over, so this link no longer works.

link-offer-title = Would you like this earlier appointment?
link-offer-lead = An appointment is free sooner than the one you are waiting for.
link-offer-accept = Yes, book it for me
link-offer-decline = No, thank you
link-offer-stay = If you say no, you stay on the waiting list.
link-offer-accepted-title = Your appointment is booked
link-offer-accepted-lead = We will send you a message with the details.
link-offer-declined-title = Thank you for telling us
link-offer-declined-lead = You are still on the waiting list. We will tell you when another time is free.
link-offer-closed-title = This offer has ended
link-offer-closed-lead = The time to answer has passed, so the appointment may have gone to someone else.

link-call-us = If you have a question, call { $phone }.
link-changed = Something changed while you were on this page. Please check the details again.

link-bad-title = This link does not work
link-bad-lead = Check you used the whole link from your message. If it still does not work, please call the practice.
link-problem-title = Sorry, there is a problem with the service
link-problem-lead = Please try again later, or call the practice.
link-reference = If you call the practice about this, tell them this reference: { $id }
