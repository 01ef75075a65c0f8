-- wrk: POST a ~400-byte JSON body (the size of a small webhook) to the target.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"EventType":"Lead Created","EventTypeId":1,"EventByUser":"Admin","ContactId":1,"ContactFirstName":"Ann","ContactLastName":"Lee","ContactFullName":"Ann Lee","ContactEmail":"ann.lee@example.com","ContactMobilePhone":"+1 555 0100","LeadId":1,"LeadCode":"L000001","LeadCaseType":"Auto Accident","LeadStatus":"New","OfficeName":"Downtown","LeadMarketingSource":"Google Ads","LeadSummary":"Rear-ended at a red light on 5th Street.","LeadCreatedDate":"2025-01-15T12:00:00.000Z"}'
