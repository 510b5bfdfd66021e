## Carefront patient messages: English (UK).
## Message ids: {kind}-sms, {kind}-email-subject, {kind}-email-body, {kind}-letter-heading,
## {kind}-letter-body, each also with -easy-read. Large print uses the standard wording in a larger layout.
## Keep to short sentences and short words: tests hold every message to reading grade 6 and no jargon.

## Shared phrases. The code picks one and passes it in as { $where }, { $bring }, { $cancel },
## { $rebook } or { $contact }.

where-surgery = Where: { $address }
where-home = Where: we will visit you at home.
where-phone = We will phone you. Please keep your phone with you.
where-video = This is a video call. Join it here: { $link }

bring = Please bring { $items }.

cancel-phone-link = To cancel or change, call { $phone } or go to { $link }
cancel-phone = To cancel or change, call { $phone }.
cancel-link = To cancel or change, go to { $link }

confirm-link = Will you come? Please tell us here: { $link }

rebook-phone-link = To book a new time, call { $phone } or go to { $link }
rebook-phone = To book a new time, call { $phone }.
rebook-link = To book a new time, go to { $link }

contact-phone-link = If you have a question, call { $phone } or go to { $link }
contact-phone = If you have a question, call { $phone }.
contact-link = If you have a question, go to { $link }

## Shorter forms of the same phrases for text messages.

cancel-sms-phone-link = To cancel or change: { $phone } or { $link }
cancel-sms-phone = To cancel or change, call { $phone }.
cancel-sms-link = To cancel or change: { $link }
rebook-sms-phone-link = To book again: { $phone } or { $link }
rebook-sms-phone = To book again, call { $phone }.
rebook-sms-link = To book again: { $link }
contact-sms-phone-link = Questions: { $phone } or { $link }
contact-sms-phone = Questions? Call { $phone }.
contact-sms-link = Questions: { $link }

## Booking confirmation

booking-confirmation-sms =
    { $practice }: Hi { $name }. Your appointment is booked for { $when }.
    { $where }
    { $cancel }
booking-confirmation-sms-easy-read =
    { $name }, you have an appointment with { $practice }.
    When: { $when }
    { $where }
    { $cancel }
booking-confirmation-email-subject = Your appointment is booked
booking-confirmation-email-subject-easy-read = You have an appointment
booking-confirmation-email-body =
    Hello { $name },

    Your appointment with { $practice } is booked.

    When: { $when }
    { $where }

    { $bring }

    { $cancel }

    Thank you,
    { $practice }
booking-confirmation-email-body-easy-read =
    Hello { $name }.

    You have an appointment with { $practice }.

    When: { $when }

    { $where }

    { $bring }

    Cannot come? Please tell us.
    { $cancel }

## Reminder

reminder-sms =
    { $practice }: Hi { $name }. Your appointment is on { $when }.
    { $where }
    { $cancel }
reminder-sms-easy-read =
    Hi { $name }. Please remember your appointment with { $practice }.
    When: { $when }
    { $where }
    { $cancel }
reminder-email-subject = Reminder: your appointment on { $when }
reminder-email-subject-easy-read = Please remember your appointment
reminder-email-body =
    Hello { $name },

    This is a reminder of your appointment with { $practice }.

    When: { $when }
    { $where }

    { $bring }

    { $confirm }

    { $cancel }

    Thank you,
    { $practice }
reminder-email-body-easy-read =
    Hello { $name }.

    Please remember your appointment with { $practice }.

    When: { $when }

    { $where }

    { $bring }

    { $confirm }

    Cannot come? Please tell us.
    { $cancel }

## Reschedule: the appointment has a new time

reschedule-sms =
    { $practice }: { $name }, your appointment has moved. The new time is { $when }.
    { $where }
    { $cancel }
reschedule-sms-easy-read =
    { $name }, your appointment with { $practice } has a new time.
    New time: { $when }
    { $where }
    { $cancel }
reschedule-email-subject = Your appointment has moved
reschedule-email-subject-easy-read = Your appointment has a new time
reschedule-email-body =
    Hello { $name },

    Your appointment with { $practice } has moved to a new time.

    New time: { $when }
    { $where }

    { $bring }

    If the new time is not good for you, please tell us.
    { $cancel }

    Thank you,
    { $practice }
reschedule-email-body-easy-read =
    Hello { $name }.

    Your appointment with { $practice } has a new time.

    New time: { $when }

    { $where }

    { $bring }

    Cannot come? Please tell us.
    { $cancel }

## Cancelled by the practice

cancellation-by-practice-sms =
    { $practice }: { $name }, we are sorry. We had to cancel your appointment on { $when }.
    { $rebook }
cancellation-by-practice-sms-easy-read =
    Hello { $name }. We are sorry. { $practice } had to cancel your appointment on { $when }.
    { $rebook }
cancellation-by-practice-email-subject = We had to cancel your appointment
cancellation-by-practice-email-subject-easy-read = Your appointment is cancelled
cancellation-by-practice-email-body =
    Hello { $name },

    We are sorry. We had to cancel your appointment on { $when }.

    { $rebook }

    We are sorry for any trouble this causes.

    { $practice }
cancellation-by-practice-email-body-easy-read =
    Hello { $name }.

    We are sorry.

    We had to cancel your appointment on { $when }.

    Please book a new time.
    { $rebook }

    { $practice }

## Cancelled by the patient

cancellation-by-patient-sms =
    { $practice }: { $name }, your appointment on { $when } is cancelled, as you asked.
    { $rebook }
cancellation-by-patient-sms-easy-read =
    Hello { $name }. You asked { $practice } to cancel your appointment on { $when }. It is cancelled.
    { $rebook }
cancellation-by-patient-email-subject = Your appointment is cancelled
cancellation-by-patient-email-subject-easy-read = Your appointment is cancelled
cancellation-by-patient-email-body =
    Hello { $name },

    You asked us to cancel your appointment on { $when }. It is now cancelled.

    { $rebook }

    Thank you for telling us. We can now give the time to someone else.

    { $practice }
cancellation-by-patient-email-body-easy-read =
    Hello { $name }.

    You asked us to cancel your appointment.

    It was on { $when }.

    It is now cancelled.

    Thank you for telling us.

    { $rebook }

    { $practice }

## Waiting-list offer

waiting-list-offer-sms =
    { $practice }: { $name }, an earlier appointment is free: { $when }.
    To take it or say no: { $answer }
    Please reply by { $deadline }.
waiting-list-offer-sms-easy-read =
    Hello { $name }. { $practice } has an earlier time for you: { $when }.
    Yes or no? Tell us here: { $answer }
    Reply by { $deadline }.
waiting-list-offer-email-subject = An earlier appointment is free
waiting-list-offer-email-subject-easy-read = Would you like an earlier appointment?
waiting-list-offer-email-body =
    Hello { $name },

    You are on our waiting list. An earlier appointment is now free.

    When: { $when }
    { $where }

    To take it, go to { $accept }

    If you do not want it, go to { $decline }
    You will stay on the waiting list.

    Please reply by { $deadline }. After that, we may give it to someone else.

    { $practice }
waiting-list-offer-email-body-easy-read =
    Hello { $name }.

    We have an earlier appointment for you.

    When: { $when }

    { $where }

    Do you want it?

    Yes: go to { $accept }

    No: go to { $decline }

    Please tell us by { $deadline }.

    { $practice }

## Running late

running-late-sms =
    { $practice }: { $name }, sorry, we are running late. Your appointment on { $when } may start about { $minutes ->
        [one] 1 minute
       *[other] { $minutes } minutes
    } late. You will keep your place.
running-late-sms-easy-read =
    Hello { $name }. Sorry, { $practice } is running late. Your appointment may start { $minutes ->
        [one] 1 minute
       *[other] { $minutes } minutes
    } late. It was for { $when }. You will keep your place.
running-late-email-subject = We are running late
running-late-email-subject-easy-read = We are running late
running-late-email-body =
    Hello { $name },

    Sorry, we are running late today.

    Your appointment on { $when } may start about { $minutes ->
        [one] 1 minute
       *[other] { $minutes } minutes
    } late.

    You will keep your place. You do not need to do anything.

    { $practice }
running-late-email-body-easy-read =
    Hello { $name }.

    Sorry. We are running late.

    Your appointment was for { $when }.

    It may start { $minutes ->
        [one] 1 minute
       *[other] { $minutes } minutes
    } late.

    You will keep your place.

    { $practice }

## Missed appointment

missed-appointment-sms =
    { $practice }: { $name }, we missed you at your appointment on { $when }. We hope you are well.
    { $rebook }
missed-appointment-sms-easy-read =
    Hello { $name }. You missed your appointment with { $practice } on { $when }.
    { $rebook }
missed-appointment-email-subject = We missed you
missed-appointment-email-subject-easy-read = You missed your appointment
missed-appointment-email-body =
    Hello { $name },

    We missed you at your appointment on { $when }. We hope you are well.

    If you still need to see us, please book again.
    { $rebook }

    If you cannot come next time, please tell us. Then we can give the time to someone else.

    { $practice }
missed-appointment-email-body-easy-read =
    Hello { $name }.

    You missed your appointment.

    It was on { $when }.

    Do you still need to see us? Please book again.
    { $rebook }

    { $practice }

## After the visit

post-visit-sms =
    { $practice }: Hi { $name }. Thank you for your appointment on { $when }.
    { $aftercare }
    { $contact }
post-visit-sms-easy-read =
    Hello { $name }. Thank you for seeing { $practice } on { $when }.
    { $aftercare }
    { $contact }
post-visit-email-subject = After your appointment
post-visit-email-subject-easy-read = After your appointment
post-visit-email-body =
    Hello { $name },

    Thank you for your appointment on { $when }.

    { $aftercare }

    { $contact }

    If you feel worse and it is urgent, call NHS 111. In an emergency, call 999.

    { $practice }
post-visit-email-body-easy-read =
    Hello { $name }.

    Thank you for seeing us on { $when }.

    { $aftercare }

    { $contact }

    Feel worse and need help fast? Call 111.

    Very ill? Call 999.

    { $practice }

## A doctor has asked us to see the patient (a referral)

referral-received-sms =
    { $practice }: { $name }, your doctor has asked us to see you. We will contact you soon to book a time.
    { $contact }
referral-received-sms-easy-read =
    Hello { $name }. Your doctor wants { $practice } to see you. We will contact you to book a time.
    { $contact }
referral-received-email-subject = Your doctor has asked us to see you
referral-received-email-subject-easy-read = Your doctor has asked us to see you
referral-received-email-body =
    Hello { $name },

    Your doctor has asked us to see you. We have their letter.

    We will contact you soon to book a time. You do not need to do anything now.

    { $contact }

    { $practice }
referral-received-email-body-easy-read =
    Hello { $name }.

    Your doctor wants us to see you.

    We will contact you soon.

    Then we will find a time.

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
