/* iso27001: the 93 controls of ISO/IEC 27001:2022 Annex A, by number and short name.
 * Origin: the control numbers and names as ISO/IEC 27001:2022 Annex A (Table A.1) lists them;
 * they are public facts and no control text is reproduced here. Which clause of a profile
 * implements which control is the profile's own data (a clause's `iso27001` key), Mamori's
 * mapping: docs/profile-format.md. */
#include <string.h>

#include "policy/policy.h"

static const struct policy_annex_control controls[] = {
	{ "5.1", "Policies for information security", "組織的管理策" },
	{ "5.2", "Information security roles and responsibilities", "組織的管理策" },
	{ "5.3", "Segregation of duties", "組織的管理策" },
	{ "5.4", "Management responsibilities", "組織的管理策" },
	{ "5.5", "Contact with authorities", "組織的管理策" },
	{ "5.6", "Contact with special interest groups", "組織的管理策" },
	{ "5.7", "Threat intelligence", "組織的管理策" },
	{ "5.8", "Information security in project management", "組織的管理策" },
	{ "5.9", "Inventory of information and other associated assets", "組織的管理策" },
	{ "5.10", "Acceptable use of information and other associated assets", "組織的管理策" },
	{ "5.11", "Return of assets", "組織的管理策" },
	{ "5.12", "Classification of information", "組織的管理策" },
	{ "5.13", "Labelling of information", "組織的管理策" },
	{ "5.14", "Information transfer", "組織的管理策" },
	{ "5.15", "Access control", "組織的管理策" },
	{ "5.16", "Identity management", "組織的管理策" },
	{ "5.17", "Authentication information", "組織的管理策" },
	{ "5.18", "Access rights", "組織的管理策" },
	{ "5.19", "Information security in supplier relationships", "組織的管理策" },
	{ "5.20", "Addressing information security within supplier agreements", "組織的管理策" },
	{ "5.21", "Managing information security in the ICT supply chain", "組織的管理策" },
	{ "5.22", "Monitoring, review and change management of supplier services", "組織的管理策" },
	{ "5.23", "Information security for use of cloud services", "組織的管理策" },
	{ "5.24", "Information security incident management planning and preparation",
	  "組織的管理策" },
	{ "5.25", "Assessment and decision on information security events", "組織的管理策" },
	{ "5.26", "Response to information security incidents", "組織的管理策" },
	{ "5.27", "Learning from information security incidents", "組織的管理策" },
	{ "5.28", "Collection of evidence", "組織的管理策" },
	{ "5.29", "Information security during disruption", "組織的管理策" },
	{ "5.30", "ICT readiness for business continuity", "組織的管理策" },
	{ "5.31", "Legal, statutory, regulatory and contractual requirements", "組織的管理策" },
	{ "5.32", "Intellectual property rights", "組織的管理策" },
	{ "5.33", "Protection of records", "組織的管理策" },
	{ "5.34", "Privacy and protection of PII", "組織的管理策" },
	{ "5.35", "Independent review of information security", "組織的管理策" },
	{ "5.36", "Compliance with policies, rules and standards for information security",
	  "組織的管理策" },
	{ "5.37", "Documented operating procedures", "組織的管理策" },
	{ "6.1", "Screening", "人的管理策" },
	{ "6.2", "Terms and conditions of employment", "人的管理策" },
	{ "6.3", "Information security awareness, education and training", "人的管理策" },
	{ "6.4", "Disciplinary process", "人的管理策" },
	{ "6.5", "Responsibilities after termination or change of employment", "人的管理策" },
	{ "6.6", "Confidentiality or non-disclosure agreements", "人的管理策" },
	{ "6.7", "Remote working", "人的管理策" },
	{ "6.8", "Information security event reporting", "人的管理策" },
	{ "7.1", "Physical security perimeters", "物理的管理策" },
	{ "7.2", "Physical entry", "物理的管理策" },
	{ "7.3", "Securing offices, rooms and facilities", "物理的管理策" },
	{ "7.4", "Physical security monitoring", "物理的管理策" },
	{ "7.5", "Protecting against physical and environmental threats", "物理的管理策" },
	{ "7.6", "Working in secure areas", "物理的管理策" },
	{ "7.7", "Clear desk and clear screen", "物理的管理策" },
	{ "7.8", "Equipment siting and protection", "物理的管理策" },
	{ "7.9", "Security of assets off-premises", "物理的管理策" },
	{ "7.10", "Storage media", "物理的管理策" },
	{ "7.11", "Supporting utilities", "物理的管理策" },
	{ "7.12", "Cabling security", "物理的管理策" },
	{ "7.13", "Equipment maintenance", "物理的管理策" },
	{ "7.14", "Secure disposal or re-use of equipment", "物理的管理策" },
	{ "8.1", "User end point devices", "技術的管理策" },
	{ "8.2", "Privileged access rights", "技術的管理策" },
	{ "8.3", "Information access restriction", "技術的管理策" },
	{ "8.4", "Access to source code", "技術的管理策" },
	{ "8.5", "Secure authentication", "技術的管理策" },
	{ "8.6", "Capacity management", "技術的管理策" },
	{ "8.7", "Protection against malware", "技術的管理策" },
	{ "8.8", "Management of technical vulnerabilities", "技術的管理策" },
	{ "8.9", "Configuration management", "技術的管理策" },
	{ "8.10", "Information deletion", "技術的管理策" },
	{ "8.11", "Data masking", "技術的管理策" },
	{ "8.12", "Data leakage prevention", "技術的管理策" },
	{ "8.13", "Information backup", "技術的管理策" },
	{ "8.14", "Redundancy of information processing facilities", "技術的管理策" },
	{ "8.15", "Logging", "技術的管理策" },
	{ "8.16", "Monitoring activities", "技術的管理策" },
	{ "8.17", "Clock synchronization", "技術的管理策" },
	{ "8.18", "Use of privileged utility programs", "技術的管理策" },
	{ "8.19", "Installation of software on operational systems", "技術的管理策" },
	{ "8.20", "Networks security", "技術的管理策" },
	{ "8.21", "Security of network services", "技術的管理策" },
	{ "8.22", "Segregation of networks", "技術的管理策" },
	{ "8.23", "Web filtering", "技術的管理策" },
	{ "8.24", "Use of cryptography", "技術的管理策" },
	{ "8.25", "Secure development life cycle", "技術的管理策" },
	{ "8.26", "Application security requirements", "技術的管理策" },
	{ "8.27", "Secure system architecture and engineering principles", "技術的管理策" },
	{ "8.28", "Secure coding", "技術的管理策" },
	{ "8.29", "Security testing in development and acceptance", "技術的管理策" },
	{ "8.30", "Outsourced development", "技術的管理策" },
	{ "8.31", "Separation of development, test and production environments", "技術的管理策" },
	{ "8.32", "Change management", "技術的管理策" },
	{ "8.33", "Test information", "技術的管理策" },
	{ "8.34", "Protection of information systems during audit testing", "技術的管理策" },
};

const struct policy_annex_control *policy_annex_controls(size_t *ret_n)
{
	*ret_n = sizeof(controls) / sizeof(controls[0]);
	return controls;
}

const struct policy_annex_control *policy_annex_control(const char *id)
{
	for (size_t i = 0; id && i < sizeof(controls) / sizeof(controls[0]); i++)
		if (!strcmp(controls[i].id, id))
			return &controls[i];
	return NULL;
}
