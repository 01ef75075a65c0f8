-- wrk: POST a lead to the Leadwire API (token from the environment).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("LW_TOKEN")
wrk.body = '{"contact":{"first_name":"Ann","last_name":"Lee","email":"ann.lee@example.com","mobile_phone":"+1 555 0100"},"case_type":"Auto Accident","office":"Downtown","summary":"Rear-ended at a red light on 5th Street."}'
